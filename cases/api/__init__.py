"""The REST API under /api/v1/: serializers, viewsets, exports, statistics and the schema."""
