"""Demo content for `flask forum seed`."""
