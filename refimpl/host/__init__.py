"""Host modules provided by the embedder (the spec's ``spectest``)."""
