"""Views for analysis, created with the tables by `streamapp warehouse init`.

They use only what both Snowflake and the local emulator run (LATERAL FLATTEN rather
than ARRAY_CONTAINS, for one), so the same SQL answers locally and in production.
"""

from __future__ import annotations

VIEWS: dict[str, str] = {
    # The original README's "Netflix 7.2x Disney+", computed from data: each platform's
    # mean search interest, its share of the total, and its ratio to every other.
    "SEARCH_INTEREST_SHARE": """
SELECT PLATFORM,
       COUNT(*) AS POINTS,
       AVG(INTEREST) AS MEAN_INTEREST,
       AVG(INTEREST) / SUM(AVG(INTEREST)) OVER () AS SHARE,
       MIN(POINT_AT) AS FIRST_POINT_AT,
       MAX(POINT_AT) AS LAST_POINT_AT
FROM TRENDS
WHERE PLATFORM IS NOT NULL
GROUP BY PLATFORM""",
    "SEARCH_INTEREST_RATIOS": """
SELECT a.PLATFORM AS PLATFORM,
       b.PLATFORM AS VERSUS,
       a.MEAN_INTEREST / NULLIF(b.MEAN_INTEREST, 0) AS RATIO
FROM SEARCH_INTEREST_SHARE a
JOIN SEARCH_INTEREST_SHARE b ON a.PLATFORM <> b.PLATFORM""",
    # Posts with the piracy intent per hour and platform, against all posts.
    "PIRACY_INDICATORS": """
SELECT DATE_TRUNC('HOUR', p.CREATED_AT) AS HOUR,
       pl.VALUE::VARCHAR AS PLATFORM,
       COUNT(*) AS POSTS,
       COUNT_IF(EXISTS_PIRACY.EVENT_ID IS NOT NULL) AS PIRACY_POSTS,
       COUNT_IF(EXISTS_PIRACY.EVENT_ID IS NOT NULL) / COUNT(*) AS PIRACY_SHARE,
       AVG(IFF(EXISTS_PIRACY.EVENT_ID IS NOT NULL, p.SENTIMENT, NULL)) AS PIRACY_SENTIMENT
FROM POSTS p,
     LATERAL FLATTEN(INPUT => p.PLATFORMS) pl
LEFT JOIN (
    SELECT DISTINCT q.EVENT_ID
    FROM POSTS q, LATERAL FLATTEN(INPUT => q.INTENTS) i
    WHERE i.VALUE::VARCHAR = 'piracy'
) EXISTS_PIRACY ON EXISTS_PIRACY.EVENT_ID = p.EVENT_ID
GROUP BY 1, 2""",
    # Stated switches between platforms: from -> to, how often, first and last seen.
    "SWITCHING_FLOWS": """
SELECT COALESCE(SWITCH_FROM, '(unstated)') AS SWITCH_FROM,
       COALESCE(SWITCH_TO, '(unstated)') AS SWITCH_TO,
       COUNT(*) AS POSTS,
       AVG(SENTIMENT) AS MEAN_SENTIMENT,
       MIN(CREATED_AT) AS FIRST_SEEN,
       MAX(CREATED_AT) AS LAST_SEEN
FROM POSTS
WHERE SWITCH_FROM IS NOT NULL OR SWITCH_TO IS NOT NULL
GROUP BY 1, 2""",
    # One row per alert: when it fired, when (if) it resolved, and for how long.
    "ALERT_HISTORY": """
SELECT f.ALERT_ID, f.RULE, f.PLATFORM, f.SEVERITY, f.MESSAGE,
       f.OBSERVED, f.BASELINE, f.SCORE,
       f.FIRED_AT,
       r.FIRED_AT AS RESOLVED_AT,
       DATEDIFF('second', f.FIRED_AT, r.FIRED_AT) AS DURATION_SECONDS
FROM ALERTS f
LEFT JOIN ALERTS r ON r.ALERT_ID = f.ALERT_ID AND r.STATUS = 'resolved'
WHERE f.STATUS = 'firing'""",
    # One row per forecast step: the latest forecast of each platform and metric (and of
    # each file series and run of `streamapp forecast --warehouse`), flat.
    "FORECAST_POINTS": """
SELECT f.PLATFORM, f.METRIC, f.MODEL, f.GENERATED_AT, f.BACKTEST_MASE, f.SERIES, f.RUN_KEY,
       p.VALUE:timestamp::TIMESTAMP_NTZ AS POINT_AT,
       p.VALUE:yhat::FLOAT AS YHAT,
       p.VALUE:yhat_lower::FLOAT AS YHAT_LOWER,
       p.VALUE:yhat_upper::FLOAT AS YHAT_UPPER
FROM FORECASTS f,
     LATERAL FLATTEN(INPUT => f.POINTS) p
QUALIFY f.GENERATED_AT = MAX(f.GENERATED_AT)
        OVER (PARTITION BY f.PLATFORM, f.METRIC, f.SERIES, f.RUN_KEY)""",
    # The viewers per platform and week, from the gauge the platform windows carry: each
    # day's last reading (windows are minutes, the gauge moves once a day), then the
    # week's mean and peak; next to them the cancellations, signups and resubscribes
    # observed that week (SUBSCRIPTION_EVENTS). A week with only one side has nulls on
    # the gauge's side or zeros on the observed one.
    "VIEWERS_AT_RISK_WEEKLY": """
SELECT COALESCE(g.PLATFORM, o.PLATFORM) AS PLATFORM,
       COALESCE(g.WEEK, o.WEEK) AS WEEK,
       COALESCE(g.DAYS, 0) AS DAYS,
       g.MEAN_ACCOUNTS_ACTIVE,
       g.MEAN_ACCOUNTS_AT_RISK,
       g.PEAK_ACCOUNTS_AT_RISK,
       g.MEAN_EXPECTED_CANCELLATIONS,
       COALESCE(o.CANCELLATIONS, 0) AS OBSERVED_CANCELLATIONS,
       COALESCE(o.SIGNUPS, 0) AS SIGNUPS,
       COALESCE(o.RESUBSCRIPTIONS, 0) AS RESUBSCRIPTIONS
FROM (
    SELECT PLATFORM,
           DATE_TRUNC('WEEK', DAY) AS WEEK,
           COUNT(*) AS DAYS,
           AVG(ACCOUNTS_ACTIVE) AS MEAN_ACCOUNTS_ACTIVE,
           AVG(ACCOUNTS_AT_RISK) AS MEAN_ACCOUNTS_AT_RISK,
           MAX(ACCOUNTS_AT_RISK) AS PEAK_ACCOUNTS_AT_RISK,
           AVG(EXPECTED_CANCELLATIONS) AS MEAN_EXPECTED_CANCELLATIONS
    FROM (
        SELECT PLATFORM, DATE_TRUNC('DAY', WINDOW_START) AS DAY,
               ACCOUNTS_ACTIVE, ACCOUNTS_AT_RISK, EXPECTED_CANCELLATIONS
        FROM PLATFORM_WINDOWS
        WHERE ACCOUNTS_ACTIVE IS NOT NULL
        QUALIFY ROW_NUMBER() OVER (
            PARTITION BY PLATFORM, DATE_TRUNC('DAY', WINDOW_START) ORDER BY WINDOW_START DESC
        ) = 1
    ) d
    GROUP BY 1, 2
) g
FULL OUTER JOIN (
    SELECT PLATFORM,
           DATE_TRUNC('WEEK', DATE_TRUNC('DAY', OCCURRED_AT)) AS WEEK,
           COUNT_IF(TYPE = 'cancel') AS CANCELLATIONS,
           COUNT_IF(TYPE = 'signup') AS SIGNUPS,
           COUNT_IF(TYPE = 'resubscribe') AS RESUBSCRIPTIONS
    FROM SUBSCRIPTION_EVENTS
    GROUP BY 1, 2
) o ON o.PLATFORM = g.PLATFORM AND o.WEEK = g.WEEK""",
    # Observed moves: an account cancelled MOVED_FROM and signed up (or resubscribed) on
    # MOVED_TO within STREAMAPP_VIEWER_MOVE_DAYS, event time; next to SWITCHING_FLOWS
    # (what posts say) it is what accounts did.
    "VIEWER_MOVES": """
SELECT MOVED_FROM,
       PLATFORM AS MOVED_TO,
       COUNT(*) AS MOVES,
       MIN(OCCURRED_AT) AS FIRST_SEEN,
       MAX(OCCURRED_AT) AS LAST_SEEN
FROM SUBSCRIPTION_EVENTS
WHERE MOVED_FROM IS NOT NULL
GROUP BY 1, 2""",
}


def create_view_sql(name: str, body: str) -> str:
    return f"CREATE OR REPLACE VIEW {name} AS {body.strip()}"
