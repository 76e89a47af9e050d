"""Page bodies of the static site, generated from the published catalogue."""
