"""What every request passes through: security headers, error pages, routing converters, URL patterns and paging."""
