SCENARIOS: dict[str, str] = {}
