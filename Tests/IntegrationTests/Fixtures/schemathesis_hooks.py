"""Loaded by the OpenAPI fuzz run (SCHEMATHESIS_HOOKS=schemathesis_hooks): OCSP request bodies
are raw bytes, sent as they are."""
import schemathesis

schemathesis.serializer.alias("application/ocsp-request", "application/octet-stream")
