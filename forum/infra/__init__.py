"""Infrastructure under the features: the page cache, compression, fingerprinted assets, file
storage and database-dialect helpers."""
