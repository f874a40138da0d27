"""Browser end-to-end tests: the members' and staff's journeys in Debian's Chromium, with axe-core and
measurements of type, targets and overflow on every page they visit (`make test` runs them)."""
