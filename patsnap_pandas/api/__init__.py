"""Talking to PatSnap: the client, the call pipeline, auth, HTTP, records, filters and query images. No pandas."""
