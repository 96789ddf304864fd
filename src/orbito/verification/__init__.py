"""Proving that a website's owner holds its domain: a file over HTTP, or a DNS TXT record."""
