"""Templates for simulated Reddit posts, and how one is filled (`compose_post`); the
words they are filled with are in `post_vocabulary`.

Each template family is a *label*: the five intents the classifier looks for
(piracy, switching, cancellation, price_complaint, content_gap), an `outage` family
(angry, no intent), and three families with no intent at all: `neutral`, `positive`
and `hard_negative` (words that look like an intent but are not one: a show being
cancelled, a free trial, an ad tier, a pirate show, switching profiles).

Slots: {p} the subject platform, {q} a second platform, {show} a show (or for live TV a
channel or sport) on {p}, {series} a scripted series on {p},
{show_q} a show on {q}, {old_price}/{new_price} {p}'s prices, {n} a small number,
{device} a streaming device, {pirate_show} a pirate-themed show on {p}.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from streamapp.sources.post_vocabulary import (
    CLOSERS,
    DEVICES,
    FILLERS,
    LIVE_TV,
    OPENERS,
    PIRATE_SHOWS,
    PLATFORM_SPELLINGS,
    PRICES,
    SHOWS,
)

TITLES: dict[str, tuple[str, ...]] = {
    "neutral": (
        "Does {p} work on {device}?",
        "What's everyone watching on {p} this weekend?",
        "When does {series} season {n} drop on {p}?",
        "Is {show} on {p} or {q}?",
        "{p} vs {q} for a family of four?",
        "Best way to get local channels without cable?",
        "Which service has the most documentaries right now?",
        "Just finished {series}, what next?",
    ),
    "positive": (
        "{series} on {p} is fantastic",
        "{p} has been great value this year",
        "Appreciation post for {p}'s new app",
        "Cut the cord {n} years ago and never looked back",
    ),
    "hard_negative": (
        "{p} cancelled {series} after one season",
        "Is the {p} free trial still a thing?",
        "The {p} ad tier is honestly fine",
        "{pirate_show} is the best pirate show in years",
        "Switching profiles on {p} is clunky on {device}",
        "Cancelled my gym membership, kept {p}",
    ),
    "price_complaint": (
        "{p} price increase again",
        "{p} raising prices to {new_price}",
        "Is {p} still worth it at {new_price}?",
        "Another {p} price hike",
        "{p} is getting way too expensive",
    ),
    "cancellation": (
        "Finally cancelled {p}",
        "Cancelling {p} after {n} years",
        "Just unsubscribed from {p}",
        "Cancelled {p} today",
    ),
    "switching": (
        "Switched from {p} to {q}",
        "Moving from {p} to {q}",
        "Dropped {p} for {q}",
        "Leaving {p} for {q}, good idea?",
    ),
    "piracy": (
        "Pirating {show} because {p} removed it",
        "Piracy is a service problem ({p} edition)",
        "Back to sailing the high seas thanks to {p}",
        "Best torrent client these days?",
        "Seedbox or VPN for torrents?",
    ),
    "content_gap": (
        "{show} removed from {p}",
        "{p} library keeps getting worse",
        "Where did {show} go? Not on {p} anymore",
        "{show} is leaving {p} next month",
    ),
    "outage": (
        "{p} down?",
        "{p} outage right now",
        "{p} not working on {device}",
        "Is {p} down for everyone or just me?",
    ),
}

LINES: dict[str, tuple[str, ...]] = {
    "neutral": (
        "Does {p} work on {device}? Thinking about getting one.",
        "What's everyone watching on {p} this weekend?",
        "Anyone know when {series} season {n} comes out on {p}?",
        "Is {show} on {p} or {q}? I can never keep track.",
        "How many screens does the standard {p} plan allow?",
        "Just finished {series}, what should I watch next?",
        "Looking for something like {series}, any recommendations?",
        "What's the best way to get local channels without cable?",
        "Finally got an antenna, picking up {n}0 channels in HD.",
        "We have {p} and {q}, trying to decide which one to keep for the summer.",
        "{p} on {device} takes forever to load the home screen.",
    ),
    "positive": (
        "{series} on {p} is fantastic, binged the whole season in two days.",
        "{p} has honestly been great value for us this year.",
        "{p}'s new app update is actually really nice.",
        "Cut the cord {n} years ago, {p} plus an antenna is all I need.",
        "Loving {series}, {p} knocked it out of the park.",
        "Great thread, saved me a lot of money. Thanks everyone!",
    ),
    "hard_negative": (
        "{p} cancelled {series} after one season and I'm heartbroken.",
        "Can't believe they cancelled {series}. Such a good show.",
        "Is the {p} free trial still available? Want to check out {series}.",
        "The ad tier on {p} is actually fine, like two minutes of ads an episode.",
        "{p} with ads is a decent deal if you don't mind short breaks.",
        "Switching profiles on {p} is so clunky on {device}.",
        "{pirate_show} on {p} is the best pirate show I've seen in years.",
        "Cancelled my gym membership so I can afford {p} lol.",
        "{series} is leaving me speechless every single episode.",
        "Switched to the 4K plan on {p}, the picture quality is worth it.",
    ),
    "price_complaint": (
        "{p} just raised the price again. {old_price} to {new_price} for the same catalog.",
        "Another price hike from {p}? This is getting ridiculous.",
        "{new_price} a month for {p} is way too expensive for what it is.",
        "Paying {new_price} a month for {p} and they still want me to watch ads.",
        "The {p} price increase email just hit my inbox. No thanks.",
        "{p} keeps getting more expensive while the library shrinks.",
        "How is {p} worth {new_price} now? It used to be {old_price}.",
    ),
    "cancellation": (
        "Just cancelled my {p} subscription. Not worth it anymore.",
        "Cancelling {p} after {n} years. Done.",
        "I'm cancelling {p} at the end of the month.",
        "Unsubscribed from {p} today, the new pricing was the last straw.",
        "Canceled {p}. Maybe I'll come back when {series} has a new season.",
    ),
    "switching": (
        "Switching from {p} to {q}, way better value right now.",
        "Dropped {p} and moved to {q}. Don't miss it at all.",
        "Left {p} for {q} last month and honestly no regrets.",
        "Thinking of switching from {p} to {q} since they have {show_q}.",
        "Replaced {p} with {q}, saving a few bucks and the catalog is better.",
    ),
    "piracy": (
        "Not paying {p} for one show, I'll just torrent {series}.",
        "Back to sailing the high seas. {p} made this decision for me.",
        "Between the price and the ads, {p} is pushing everyone to pirate again.",
        "Easier to pirate {show} than to figure out if {p} still has it.",
        "Set up Jellyfin and a seedbox, I download everything {p} pulls.",
        "Every time {p} removes something I just download it instead.",
        "Use a VPN with your torrent client, always.",
        "qBittorrent plus a VPN and you're set.",
        "Private tracker invites are impossible to get these days.",
    ),
    "content_gap": (
        "{show} is leaving {p} next month and there's nothing else worth watching.",
        "Why did {p} remove {show}? That was the only reason I kept it.",
        "{p} pulled {show} with no warning.",
        "The {p} catalog is so thin now, half my watchlist is gone.",
        "Can't find {show} on {p} anymore, where did it go?",
        "{p} keeps removing shows and adding nothing.",
    ),
    "outage": (
        "Is {p} down for anyone else? Error code on every device.",
        "{p} has been down for an hour. {new_price} a month for a loading spinner.",
        "{p} keeps crashing mid-episode, absolutely useless tonight.",
        "Another {p} outage, right in the middle of {show}. Unbelievable.",
        "Can't log in to {p} and their status page says everything is fine.",
    ),
}


_SCRIPTED = tuple(p for p in SHOWS if p not in LIVE_TV)


def _slots(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


_SLOTS: dict[str, frozenset[str]] = {
    t: _slots(t) for family in (TITLES, LINES) for group in family.values() for t in group
}


@dataclass(frozen=True)
class ComposedPost:
    """Text for one post, and what it is about (truth for tests and evaluation)."""

    title: str | None
    body: str
    platforms: tuple[str, ...]  # platforms the text names, subject first
    switch_to: str | None


def _usable(template: str, platform: str | None, other: str | None) -> bool:
    slots = _SLOTS[template]
    if platform is None:  # platform-less chatter: no platform and no per-platform slot
        return not slots & {"p", "q", "show_q", "pirate_show", "old_price", "new_price"}
    if "p" not in slots:
        return False
    if "pirate_show" in slots and platform not in PIRATE_SHOWS:
        return False
    if "series" in slots and platform in LIVE_TV:
        return False
    return other is not None or not slots & {"q", "show_q"}


def _pick(
    rng: random.Random, templates: tuple[str, ...], platform: str | None, other: str | None
) -> str | None:
    usable = [t for t in templates if _usable(t, platform, other)]
    return rng.choice(usable) if usable else None


def compose_post(
    rng: random.Random,
    label: str,
    platform: str | None,
    other: str | None,
    submission: bool,
    featured_show: str | None = None,
) -> ComposedPost:
    """Fill one template of `label` about `platform` (and maybe `other`)."""
    show_platform = platform or rng.choice(_SCRIPTED)
    show = featured_show or rng.choice(SHOWS[show_platform])
    series = show if show_platform not in LIVE_TV else ""
    ctx = {
        "p": rng.choice(PLATFORM_SPELLINGS[platform]) if platform else "",
        "q": rng.choice(PLATFORM_SPELLINGS[other]) if other else "",
        "show": show,
        "series": series,
        "show_q": rng.choice(SHOWS[other]) if other else "",
        "old_price": PRICES[platform][0] if platform else "",
        "new_price": PRICES[platform][1] if platform else "",
        "n": str(rng.randint(2, 9)),
        "device": rng.choice(DEVICES),
        "pirate_show": PIRATE_SHOWS.get(platform or "", ""),
    }
    line = _pick(rng, LINES[label], platform, other)
    if line is None:
        raise ValueError(f"no {label!r} template fits platform={platform!r} other={other!r}")
    title = None
    used = set(_SLOTS[line])
    if submission:
        title_t = _pick(rng, TITLES[label], platform, other) or line
        used |= _SLOTS[title_t]
        title = title_t.format_map(ctx)
        # Link posts and image posts have no text; many self posts repeat the title's point.
        body = "" if rng.random() < 0.3 else line.format_map(ctx)
    else:
        opener, text = rng.choice(OPENERS), line.format_map(ctx)
        if opener and not line.startswith(("{", "I ", "I'")):
            text = text[0].lower() + text[1:]
        body = opener + text + rng.choice(CLOSERS)
    if body and rng.random() < 0.25:
        body = f"{body} {rng.choice(FILLERS)}"
    if rng.random() < 0.15:  # a good share of Reddit is typed in lower case
        body = body.lower()
    mentions_other = other is not None and bool(used & {"q", "show_q"})
    platforms = tuple(p for p in (platform, other if mentions_other else None) if p)
    switch_to = other if label == "switching" and mentions_other else None
    return ComposedPost(title=title, body=body.strip(), platforms=platforms, switch_to=switch_to)
