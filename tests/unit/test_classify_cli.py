import io
import json

from streamapp.cli.classify import classify_lines


def run(text):
    out, err = io.StringIO(), io.StringIO()
    code = classify_lines(io.StringIO(text), out, err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_text_and_title_body_lines_are_classified_with_every_field():
    code, results, err = run(
        '{"id": "a", "text": "I cancelled Netflix, switching to Hulu"}\n'
        "\n"
        '{"title": "Disney+ price hike", "body": "too expensive now"}\n'
    )
    assert code == 0 and err == ""
    first, second = results
    assert first["id"] == "a"
    assert set(first) >= {
        "platforms",
        "intents",
        "sentiment",
        "switch_from",
        "switch_to",
        "classifier_version",
    }
    assert first["switch_from"] == "netflix" and first["switch_to"] == "hulu"
    assert "price_complaint" in second["intents"] and second["platforms"] == ["disney_plus"]


def test_bad_lines_are_reported_with_their_number_and_the_rest_goes_on():
    code, results, err = run('{"text": "Max is great"}\nnot json\n[1]\n{"score": 3}\n')
    assert code == 1
    assert len(results) == 1
    assert "line 2:" in err and "line 3: expected a JSON object" in err
    assert "line 4: needs a string 'text'" in err
