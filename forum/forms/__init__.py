"""WTForms classes, one module per feature. Forms check shape and length; the
services hold the rules, so the API and the pages refuse the same things."""
