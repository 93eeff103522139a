from __future__ import annotations

from django.db import models


class HistoryKeyAnchor(models.Model):
    """A change of the history chain's key (`manage.py rotate_history_key`).

    Entries after `after_seq` are keyed with the key named by `new_key_id`; those before keep
    the key they were made with (`old_key_id`), so a rotation re-anchors the chain instead of
    rewriting it. The anchor is signed by both keys: without them it can be neither forged nor
    moved, and deleting it leaves the newer entries failing under the old key.
    """

    after_seq = models.PositiveBigIntegerField(unique=True)
    previous_hash = models.CharField(max_length=64)
    old_key_id = models.CharField(max_length=32)
    new_key_id = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    old_key_signature = models.CharField(max_length=64)
    new_key_signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["after_seq"]

    def __str__(self) -> str:
        return f"key {self.new_key_id} after entry #{self.after_seq}"
