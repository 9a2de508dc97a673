"""The words simulated posts are made of: labels, how people spell each platform, its
shows, prices and home subreddits, devices, openers and closers, and the pool of fake
usernames. Data only; `post_templates` fills its templates from these, `post_mix`
picks subreddits and authors from them.
"""

from __future__ import annotations

LABELS = (
    "neutral",
    "positive",
    "hard_negative",
    "price_complaint",
    "cancellation",
    "switching",
    "piracy",
    "content_gap",
    "outage",
)

# How people write each platform's name (canonical id -> spellings, most common first).
PLATFORM_SPELLINGS: dict[str, tuple[str, ...]] = {
    "netflix": ("Netflix", "Netflix", "netflix"),
    "disney_plus": ("Disney+", "Disney Plus", "disney+"),
    "hulu": ("Hulu", "Hulu", "hulu"),
    "max": ("Max", "HBO Max", "HBO Max"),
    "prime_video": ("Prime Video", "Amazon Prime", "Prime Video"),
    "apple_tv_plus": ("Apple TV+", "Apple TV Plus"),
    "peacock": ("Peacock", "peacock"),
    "paramount_plus": ("Paramount+", "Paramount Plus"),
    "youtube_tv": ("YouTube TV", "YTTV"),
    "sling_tv": ("Sling", "Sling TV"),
}

SHOWS: dict[str, tuple[str, ...]] = {
    "netflix": ("Stranger Things", "Wednesday", "The Crown", "Bridgerton", "Squid Game", "Ozark"),
    "disney_plus": ("The Mandalorian", "Andor", "Bluey", "Loki", "Percy Jackson"),
    "hulu": ("The Bear", "Only Murders in the Building", "Shogun", "The Handmaid's Tale"),
    "max": ("The Last of Us", "House of the Dragon", "Succession", "The White Lotus"),
    "prime_video": ("The Boys", "Reacher", "Fallout", "The Rings of Power"),
    "apple_tv_plus": ("Severance", "Ted Lasso", "Slow Horses", "Silo"),
    "peacock": ("The Office", "Poker Face", "Twisted Metal"),
    "paramount_plus": ("Tulsa King", "Strange New Worlds", "Landman"),
    "youtube_tv": ("NFL Sunday Ticket", "the local news", "Sunday football"),
    "sling_tv": ("ESPN", "the NBA games", "college football"),
}
# Live TV services carry channels and sports, not series of their own.
LIVE_TV = frozenset({"youtube_tv", "sling_tv"})
PIRATE_SHOWS: dict[str, str] = {"netflix": "One Piece", "max": "Our Flag Means Death"}

# Monthly prices people quote (before, after a rise): round numbers in the right range.
PRICES: dict[str, tuple[str, str]] = {
    "netflix": ("$15.49", "$17.99"),
    "disney_plus": ("$13.99", "$15.99"),
    "hulu": ("$17.99", "$18.99"),
    "max": ("$15.99", "$16.99"),
    "prime_video": ("$8.99", "$11.98"),
    "apple_tv_plus": ("$6.99", "$9.99"),
    "peacock": ("$11.99", "$13.99"),
    "paramount_plus": ("$9.99", "$12.99"),
    "youtube_tv": ("$72.99", "$82.99"),
    "sling_tv": ("$40", "$45.99"),
}

# Which subreddit a platform's own discussion goes to (None: only the general ones).
HOME_SUBREDDITS: dict[str, str] = {
    "netflix": "netflix",
    "disney_plus": "DisneyPlus",
    "hulu": "Hulu",
    "max": "HBOMax",
    "prime_video": "PrimeVideo",
}
GENERAL_SUBREDDITS = ("cordcutters", "television", "StreamingBestOf")
SUBREDDITS = (*HOME_SUBREDDITS.values(), *GENERAL_SUBREDDITS, "Piracy")

DEVICES = ("Roku", "Fire Stick", "Apple TV", "Chromecast", "LG TV", "Samsung TV", "PS5", "Shield")
OPENERS = ("", "", "", "", "Honestly, ", "Ok so ", "PSA: ", "Not gonna lie, ", "Welp. ", "So ")
CLOSERS = ("", "", "", "", " Anyone else?", " Thoughts?", " lol", " Just my 2 cents.", " Ugh.")
FILLERS = (
    "My partner only watches it for the reality shows.",
    "We mostly watch on the living room TV.",
    "The kids use it more than I do.",
    "I keep a spreadsheet of all my subscriptions now.",
    "Been cord cutting since 2016.",
    "Still have an antenna for local channels.",
    "Rotating services month to month works for us.",
)
# Pool for fake usernames (hashed before they leave the simulator).
NAME_WORDS_A = ("quiet", "lucky", "grumpy", "sleepy", "brave", "salty", "cosmic", "rusty", "tiny")
NAME_WORDS_B = ("otter", "falcon", "couch", "remote", "panda", "wizard", "toast", "llama", "moth")
