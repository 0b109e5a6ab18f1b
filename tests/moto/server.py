"""moto server, with two fixes for speed and memory.

moto's TransactWriteItems backs up the *whole table* with copy.deepcopy once per item of the
transaction, so every transaction costs time and memory in proportion to the table (an
ingest test of a few thousand events took minutes per hundred requests and grew the server
until the OS killed it). This wrapper backs up only the items the transaction touches and
restores exactly those if the transaction is cancelled: the same all-or-nothing behaviour,
at the cost of the transaction's own size.

moto's Query also reads (and sorts) every item of the table, even for a query on the table's
own partition key, so each Query costs time in proportion to the whole table. This wrapper
lets a base-table Query see only the partition it asks for: the same results, in proportion
to the partition. (Queries on GSIs still read the whole table.)

moto's server handles requests on several threads, and its DynamoDB writes check a condition
and then write without a lock, so two conditional writes racing on one item could both
succeed (seen as a lost triage update under load). DynamoDB's conditional writes and
transactions are atomic; this wrapper makes moto's so by running every DynamoDB write under
one lock.

Usage: python tests/moto/server.py -H 127.0.0.1 -p PORT  (the arguments of moto_server)
"""
import copy as _copy
import sys

import moto.dynamodb.models as models


class _NoTableCopies:
    """Stands in for the `copy` module inside moto.dynamodb.models: while a transaction
    runs, the per-table backup returns the table itself (we back up items instead)."""

    def __init__(self):
        self.active = False

    def deepcopy(self, value, memo=None):
        if self.active and isinstance(value, models.Table):
            return value
        return _copy.deepcopy(value, memo)

    def __getattr__(self, name):
        return getattr(_copy, name)


_copies = _NoTableCopies()
models.copy = _copies
_original = models.DynamoDBBackend.transact_write_items


def _key_of(table, op_type, op):
    if op_type == "Put":
        attrs = op["Item"]
        key = {table.hash_key_attr: attrs[table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = attrs[table.range_key_attr]
        return key
    return op.get("Key")


def _transact_write_items(self, transact_items):
    touched = []
    for entry in transact_items:
        op_type, op = next(iter(entry.items()))
        table = self.tables.get(op.get("TableName"))
        key = _key_of(table, op_type, op) if table is not None else None
        if key is None:
            continue
        current = self.get_item(table.name, key)
        saved = _copy.deepcopy(current.to_json()["Attributes"]) if current else None
        touched.append((table.name, key, saved))
    _copies.active = True
    try:
        return _original(self, transact_items)
    except Exception:
        for table_name, key, saved in reversed(touched):
            if saved is None:
                if self.get_item(table_name, key) is not None:
                    self.delete_item(table_name, key)
            else:
                self.put_item(table_name, saved)
        raise
    finally:
        _copies.active = False


models.DynamoDBBackend.transact_write_items = _transact_write_items

import inspect as _inspect
import threading as _threading

from moto.dynamodb.models.table import Table as _Table

_partition = _threading.local()
_all_items = _Table.all_items
_query = _Table.query
_query_signature = _inspect.signature(_query)


def _items_of_partition_or_all(self):
    only = getattr(_partition, "items", None)
    if only is not None and only[0] is self:
        return sorted(only[1], key=lambda x: x.range_key)
    return _all_items(self)


def _partition_query(self, *args, **kwargs):
    bound = _query_signature.bind(self, *args, **kwargs)
    hash_key = bound.arguments.get("hash_key")
    if bound.arguments.get("index_name") or hash_key is None or not self.range_key_attr:
        return _query(self, *args, **kwargs)
    _partition.items = (self, list(self.items.get(hash_key, {}).values()))
    try:
        return _query(self, *args, **kwargs)
    finally:
        _partition.items = None


_Table.all_items = _items_of_partition_or_all
_Table.query = _partition_query

_writes = _threading.RLock()


def _serialized(method):
    def run(self, *args, **kwargs):
        with _writes:
            return method(self, *args, **kwargs)

    return run


for _name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
    setattr(models.DynamoDBBackend, _name, _serialized(getattr(models.DynamoDBBackend, _name)))

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
