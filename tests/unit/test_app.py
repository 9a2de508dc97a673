from streamapp.app import create_app
from streamapp.config import Settings
from streamapp.runtime.faust_app import faust_options


def test_create_app_wires_every_agent_table_and_topic():
    settings = Settings()
    settings.pipeline.topic_prefix = "t1."
    app = create_app(settings)
    assert set(app.agents) == {
        "classify_posts",
        "track_interest",
        "aggregate_windows",
        "forecast_demand",
        "score_viewers",
        "trend_titles",
    }
    assert set(app.tables) == {
        "window-state",
        "window-watermarks",
        "platform-marks",
        "alert-state",
        "contributed-offsets",
        "forecast-state",
        "viewer-state",
        "region-interest-latest",
        "title-play-lanes",
        "title-trend-windows",
        "title-trend-watermarks",
    }
    topics = app.pipeline.topics
    assert topics.reddit.get_topic_name() == "t1.reddit-discussions"
    assert topics.alerts.get_topic_name() == "t1.streaming-alerts"
    assert topics.viewing.get_topic_name() == "t1.viewing-events"
    assert topics.churn_risk.get_topic_name() == "t1.churn-risk"
    assert topics.regions.get_topic_name() == "t1.region-interest"
    assert topics.title_trends.get_topic_name() == "t1.title-trends"
    assert topics.title_plays.get_topic_name() == "t1.title-plays"


def test_faust_options_follow_settings(monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "a:1, b:2")
    monkeypatch.setenv("STREAMAPP_PARTITIONS", "8")
    monkeypatch.setenv("STREAMAPP_WEB_PORT", "7001")
    opts = faust_options(Settings())
    assert opts["broker"] == "kafka://a:1;kafka://b:2"
    assert opts["topic_partitions"] == 8
    assert opts["processing_guarantee"] == "at_least_once"
    assert opts["datadir"].endswith("worker-7001")


def test_secrets_are_masked_in_settings_repr(monkeypatch):
    monkeypatch.setenv("STREAMAPP_AUTHOR_SALT", "very-secret-salt")
    assert "very-secret-salt" not in repr(Settings())
    assert "very-secret-salt" not in str(Settings().model_dump())


def test_readiness_before_the_kafka_consumer_exists_is_not_ready_rather_than_an_error():
    # A probe can arrive before Faust's consumer thread has started (seen as a 500).
    from streamapp.observability.health import readiness

    ready, detail = readiness(create_app(Settings()))
    assert ready is False
    assert detail["assigned_partitions"] == 0
