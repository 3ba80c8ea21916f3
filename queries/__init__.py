"""Every SQL statement of the dashboard: ``build_*`` returns a Select, ``fetch_*`` a frame."""
