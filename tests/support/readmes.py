"""A small markdown corpus of three fake repositories, with questions each document answers."""

from __future__ import annotations

ORG = "acme"
REPOSITORIES: dict[str, dict[str, str]] = {
    "acme/tidepool": {
        "README.md": (
            "# Tidepool\n\nTidepool forecasts ocean tides for harbours and beaches.\n\n"
            "## Installation\n\nInstall with pip install tidepool and download the harmonic constants.\n\n"
            "## Usage\n\nCall predict_tide with a harbour name and a date to get high and low water times.\n"
        ),
        "docs/moon.md": (
            "# Lunar cycles\n\nSpring tides follow the full and new moon; neap tides the quarter moons.\n"
            "```\n# not a header: inside a code block\n```\n"
        ),
    },
    "acme/breadbox": {
        "README.md": (
            "# Breadbox\n\nBreadbox schedules sourdough baking: feeding the starter, proofing dough,"
            " oven temperatures.\n\n## Recipes\n\nRye, spelt and wheat loaves with hydration tables.\n"
        ),
    },
    "acme/starchart": {
        "README.md": (
            "# Starchart\n\nStarchart renders maps of constellations and planets for telescope owners.\n\n"
            "## Observing\n\nPick a night with no moon and point the telescope at the Andromeda galaxy.\n"
        ),
        "notes.txt": "not markdown: never collected",
    },
}
QUESTIONS_YAML = """\
- question: When is high water in the harbour?
  document: acme/tidepool/README.md
- question: How do I feed a sourdough starter before baking bread?
  document: acme/breadbox/README.md
- question: Which galaxy can I see with my telescope?
  document: acme/starchart/README.md
- question: Why are spring tides linked to the full moon?
  document: acme/tidepool/docs/moon.md
"""
