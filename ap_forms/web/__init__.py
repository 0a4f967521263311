"""The technical core every domain uses: access gate, rendering, audit, errors, headers."""
