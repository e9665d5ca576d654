"""Files -> stored originals, pages and (later) entities and index entries."""
