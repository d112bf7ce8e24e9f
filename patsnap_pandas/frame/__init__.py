"""DataFrames and what is computed from them: schema, words, triage, links, fusion, charts. No HTTP."""
