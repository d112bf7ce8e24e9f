"""The analyst's jobs, composed from api, store and frame: search, batch, enrich, cluster."""
