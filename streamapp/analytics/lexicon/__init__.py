"""Intent lexicon: phrases, negation and hard negatives for the post classifier.

Every detector works on the *normalised* post: lowercased, typographic quotes folded, and
each platform mention replaced by ``@<platform id>`` (``"dropping @netflix for @hulu"``),
so that the rules can speak about "a platform" without knowing its aliases.

Speed: a `Rule` is a regex guarded by plain substrings ("triggers"), at least one of which
every match contains; the regex only runs when a trigger is in the text, which `in` checks
in nanoseconds. tests/unit/test_classifier.py checks that the triggers are necessary.

Layout: `core` holds the rule machinery and negation; `piracy`, `cancellation`,
`content_gap` and `price` each hold one intent's rule table and detector.
"""

from streamapp.analytics.lexicon.cancellation import CANCEL, cancelled_platforms, has_cancellation
from streamapp.analytics.lexicon.content_gap import CONTENT_GAP, SHOW_CANCELLED, has_content_gap
from streamapp.analytics.lexicon.core import ANY_P, F, P, Rule, find, negated, rule
from streamapp.analytics.lexicon.piracy import PIRACY, has_piracy
from streamapp.analytics.lexicon.price import PRICE, has_price_complaint

__all__ = [
    "ANY_P",
    "CANCEL",
    "CONTENT_GAP",
    "F",
    "P",
    "PIRACY",
    "PRICE",
    "SHOW_CANCELLED",
    "Rule",
    "cancelled_platforms",
    "find",
    "has_cancellation",
    "has_content_gap",
    "has_piracy",
    "has_price_complaint",
    "negated",
    "rule",
]
