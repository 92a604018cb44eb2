"""Reports by name: each takes a Query and returns a Table (see base.py); the CLI
(`truce report NAME`), the API and the pages all go through `run_report`."""
