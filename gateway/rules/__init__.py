"""Status rules for custom resources, as data: a CEL rule per API group and kind, with its
fixtures beside it (library/<group>/<Kind>/). Pure: no I/O but reading rule files."""
