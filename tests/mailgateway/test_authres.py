"""Authentication-Results: only trusted hosts count, and failures are read right."""
from mailgateway.authres import header_values, parse_value, spoofing_reason, trusted_results

TRUSTED = ["mx.corp.example"]


def _raw(*values: str) -> bytes:
    head = "".join(f"Authentication-Results: {value}\r\n" for value in values)
    return (head + "From: ceo@corp.example\r\nSubject: wire transfer\r\n\r\nAuthentication-Results: mx.corp.example; dmarc=fail\r\n").encode()


def test_office365_style_failure_is_spoofing():
    raw = _raw("mx.corp.example; spf=fail (sender IP is 203.0.113.9)\r\n smtp.mailfrom=corp.example;"
               " dkim=none (message not signed) header.d=none;dmarc=fail action=quarantine\r\n header.from=corp.example;")
    results = trusted_results(raw, TRUSTED)
    assert results.results == {"spf": "fail", "dkim": "none", "dmarc": "fail"}
    assert results.properties["header.from"] == "corp.example"
    assert "DMARC failed" in spoofing_reason(results)


def test_spf_fail_with_good_dkim_is_not_spoofing():
    results = trusted_results(_raw("mx.corp.example; spf=fail smtp.mailfrom=corp.example; dkim=pass header.d=corp.example"),
                              TRUSTED)
    assert spoofing_reason(results) is None
    results = trusted_results(_raw("mx.corp.example; spf=fail smtp.mailfrom=corp.example; dkim=fail"), TRUSTED)
    assert "SPF failed" in spoofing_reason(results)


def test_untrusted_or_lower_headers_do_not_count():
    # An attacker's own header saying "pass" below ours does not help them, and theirs alone is ignored.
    raw = _raw("mx.corp.example; dmarc=fail header.from=corp.example", "mx.corp.example; dmarc=pass")
    assert spoofing_reason(trusted_results(raw, TRUSTED))
    assert trusted_results(_raw("evil.example; dmarc=fail"), TRUSTED) is None
    assert trusted_results(_raw("mx.corp.example; dmarc=fail"), []) is None
    # Only the header block counts, not text in the body.
    assert header_values(b"From: a@b\r\n\r\nAuthentication-Results: mx.corp.example; dmarc=fail\r\n") == []


def test_values_with_versions_comments_and_none():
    parsed = parse_value("mx.corp.example 1; (checked (twice)) dkim/1=pass header.i=@corp.example; arc=none")
    assert parsed.authserv_id == "mx.corp.example" and parsed.results == {"dkim": "pass", "arc": "none"}
    assert parse_value("mx.corp.example; none").results == {}
    assert parse_value("   ") is None


def test_an_mx_with_one_header_per_check_is_read_whole():
    # Postfix with OpenDKIM and OpenDMARC: each filter adds its own header above the MX's Received.
    raw = (b"Authentication-Results: mx.corp.example; dkim=pass (1024-bit key) header.d=mailer.example\r\n"
           b"Authentication-Results: mx.corp.example;\r\n\tdmarc=fail (p=reject dis=none) header.from=corp.example\r\n"
           b"Authentication-Results: mx.corp.example; spf=softfail smtp.mailfrom=mailer.example\r\n"
           b"Received: from mailer.example (mailer.example [203.0.113.9]) by mx.corp.example (Postfix)\r\n"
           b"Authentication-Results: mx.corp.example; dmarc=pass\r\n"  # forged by the sender, below our Received
           b"From: CEO <ceo@corp.example>\r\nSubject: wire transfer\r\n\r\nbody\r\n")
    results = trusted_results(raw, TRUSTED)
    assert results.results == {"dkim": "pass", "dmarc": "fail", "spf": "softfail"}
    assert "DMARC failed" in spoofing_reason(results)


def test_a_forged_header_below_the_mx_block_fills_in_nothing():
    raw = (b"Authentication-Results: mx.corp.example; spf=fail smtp.mailfrom=corp.example; dkim=none\r\n"
           b"Received: from mailer.example by mx.corp.example (Postfix)\r\n"
           b"Authentication-Results: mx.corp.example; dkim=pass header.d=corp.example; dmarc=pass\r\n"
           b"From: CEO <ceo@corp.example>\r\n\r\nbody\r\n")
    assert "SPF failed" in spoofing_reason(trusted_results(raw, TRUSTED))
    raw = raw.replace(b"Received: from", b"Authentication-Results: evil.example; dkim=pass\r\nX-Received: from")
    assert "SPF failed" in spoofing_reason(trusted_results(raw, TRUSTED))  # another host's header ends it too


def test_one_verified_signature_among_several_is_a_dkim_pass():
    results = trusted_results(_raw("mx.corp.example; dkim=fail (bad signature) header.d=list.example;"
                                   " dkim=pass header.d=corp.example; spf=fail smtp.mailfrom=list.example"), TRUSTED)
    assert results.results["dkim"] == "pass" and spoofing_reason(results) is None


def test_only_a_signature_of_the_senders_domain_forgives_a_failed_spf():
    # A forger signs with a domain of their own: that signature verifies, and says nothing about corp.example.
    results = trusted_results(_raw("mx.corp.example; spf=fail smtp.mailfrom=corp.example;"
                                   " dkim=pass header.d=evil.example"), TRUSTED)
    assert results.dkim_passes == ("evil.example",)
    assert "SPF failed" in spoofing_reason(results, "corp.example")
    # The sender's own domain, a domain above or below it (relaxed alignment), or a pass naming no domain.
    for signer in ("header.d=corp.example", "header.d=mail.corp.example", "header.i=@corp.example", ""):
        results = trusted_results(_raw(f"mx.corp.example; spf=fail smtp.mailfrom=corp.example; dkim=pass {signer}"),
                                  TRUSTED)
        assert spoofing_reason(results, "eu.corp.example" if "mail." not in signer else "corp.example") is None, signer
    results = trusted_results(_raw("mx.corp.example; spf=fail smtp.mailfrom=corp.example;"
                                   " dkim=pass header.d=notcorp.example"), TRUSTED)
    assert spoofing_reason(results, "corp.example")
