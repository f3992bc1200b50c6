"""The HTTP API: FastAPI, versioned under /v1, bearer tokens, RFC 9457 problem details."""
