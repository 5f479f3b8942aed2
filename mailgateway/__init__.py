"""The mail edge: SMTP in, MIME parsing, hygiene, threading keys, outbound sending."""
