"""Reply templates: strict, sandboxed, escaped where HTML, overridable and reloaded."""
import os

import pytest

from workflows.templates import Rendered, TemplateError, TemplateRenderer

CONTEXT = {
    "ticket_key": "IT-000123",
    "requester_name": "Anna Schmidt",
    "subject": "VPN not working",
    "category": "network",
    "priority": "P2",
    "department_name": "IT Service Desk",
    "organisation": "Example Corp",
    "first_response_promise": "within 2 business hours, by Monday 23 November, 12:00 CET",
    "resolution_promise": "within 8 business hours, by Tuesday 24 November, 10:00 CET",
    "also": [],
    "articles": [],
}


def _override(folder, name, source):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(source, encoding="utf-8")
    return folder


def test_acknowledgement_renders_text_and_html():
    rendered = TemplateRenderer().render("acknowledgement", CONTEXT)
    for part in (rendered.text, rendered.html):
        for value in CONTEXT.values():
            assert value == [] or value in part
        assert "also went to" not in part
    assert rendered.text.startswith("Hello Anna Schmidt,\n")
    assert "keep [IT-000123] in the subject" in rendered.text
    assert "<strong>IT-000123</strong>" in rendered.html
    assert "<" not in rendered.text


def test_the_other_departments_of_the_request_are_named():
    also = [{"ticket_key": "FAC-000007", "department_name": "Facilities", "priority": "P3",
             "resolution_promise": "within 3 business days, by Thursday 26 November, 17:00 CET"}]
    rendered = TemplateRenderer().render("acknowledgement", {**CONTEXT, "also": also})
    assert "also went to:\n  - Facilities: ticket FAC-000007 (P3), to be resolved within 3 business days" in rendered.text
    assert "<strong>FAC-000007</strong>" in rendered.html


def test_empty_name_and_subject_get_their_defaults():
    rendered = TemplateRenderer().render("acknowledgement", {**CONTEXT, "requester_name": "", "subject": ""})
    assert rendered.text.startswith("Hello there,")
    assert "(no subject)" in rendered.text and "(no subject)" in rendered.html


def test_a_missing_variable_names_the_template():
    context = {k: v for k, v in CONTEXT.items() if k != "resolution_promise"}
    with pytest.raises(TemplateError, match=r"acknowledgement\.txt\.j2: .*resolution_promise"):
        TemplateRenderer().render("acknowledgement", context)


def test_a_missing_template_is_a_template_error():
    with pytest.raises(TemplateError, match="no_such_reply.txt.j2 not found"):
        TemplateRenderer().render("no_such_reply", CONTEXT)


def test_html_escapes_requester_text_and_plain_text_keeps_it():
    subject = '<script>alert("x")</script> & VPN'
    rendered = TemplateRenderer().render("acknowledgement", {**CONTEXT, "subject": subject})
    assert subject in rendered.text
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; VPN" in rendered.html


def test_requester_values_are_never_evaluated():
    rendered = TemplateRenderer().render("acknowledgement", {**CONTEXT, "subject": "{{ 7*7 }} {% if 1 %}x{% endif %}",
                                                             "requester_name": "{{ ticket_key }}"})
    for part in (rendered.text, rendered.html):
        assert "{{ 7*7 }} {% if 1 %}x{% endif %}" in part
        assert "49" not in part
    assert rendered.text.startswith("Hello {{ ticket_key }},")


def test_the_sandbox_refuses_dunder_attributes(tmp_path):
    folder = _override(tmp_path / "templates", "acknowledgement.txt.j2", "{{ ''.__class__.__mro__ }}\n")
    with pytest.raises(TemplateError, match=r"acknowledgement\.txt\.j2: SecurityError: .*unsafe"):
        TemplateRenderer([folder]).render("acknowledgement", CONTEXT)


def test_the_sandbox_refuses_mutating_the_context(tmp_path):
    folder = _override(tmp_path / "templates", "acknowledgement.txt.j2", "{{ tags.append('x') }}\n")
    tags = ["vpn"]
    with pytest.raises(TemplateError, match="SecurityError"):
        TemplateRenderer([folder]).render("acknowledgement", {**CONTEXT, "tags": tags})
    assert tags == ["vpn"]


def test_override_folders_win_over_the_default(tmp_path):
    first = _override(tmp_path / "first", "acknowledgement.txt.j2", "First: {{ ticket_key }}\n")
    second = _override(tmp_path / "second", "acknowledgement.txt.j2", "Second: {{ ticket_key }}\n")
    _override(second, "acknowledgement.html.j2", "<p>Second {{ ticket_key }}</p>\n")
    rendered = TemplateRenderer([first, second]).render("acknowledgement", CONTEXT)
    assert rendered.text == "First: IT-000123\n"
    assert rendered.html == "<p>Second IT-000123</p>\n"


def test_an_edited_template_is_used_without_a_restart(tmp_path):
    now = [100.0]
    folder = _override(tmp_path / "templates", "acknowledgement.txt.j2", "Before: {{ ticket_key }}\n")
    renderer = TemplateRenderer([folder], recheck_seconds=1.0, clock=lambda: now[0])
    assert renderer.render("acknowledgement", CONTEXT).text == "Before: IT-000123\n"
    path = _override(folder, "acknowledgement.txt.j2", "After: {{ ticket_key }}\n") / "acknowledgement.txt.j2"
    later = path.stat().st_mtime + 5
    os.utime(path, (later, later))
    now[0] += 0.5  # within the re-check interval the file is not looked at
    assert renderer.render("acknowledgement", CONTEXT).text == "Before: IT-000123\n"
    now[0] += 0.6
    assert renderer.render("acknowledgement", CONTEXT).text == "After: IT-000123\n"


def test_a_template_added_later_is_found_after_the_recheck_interval(tmp_path):
    now = [100.0]
    folder = _override(tmp_path / "templates", "acknowledgement.txt.j2", "Text {{ ticket_key }}\n")
    renderer = TemplateRenderer([folder], recheck_seconds=1.0, clock=lambda: now[0])
    assert renderer.render("acknowledgement", CONTEXT).html is not None  # the default folder's HTML
    with pytest.raises(TemplateError, match="not found"):
        renderer.render("brand_new", CONTEXT)
    _override(folder, "brand_new.txt.j2", "New {{ ticket_key }}\n")
    with pytest.raises(TemplateError, match="not found"):  # its absence is remembered for a moment
        renderer.render("brand_new", CONTEXT)
    now[0] += 1.5
    assert renderer.render("brand_new", CONTEXT) == Rendered(text="New IT-000123\n", html=None)


def test_a_syntax_error_in_a_template_is_a_template_error(tmp_path):
    folder = _override(tmp_path / "templates", "acknowledgement.txt.j2", "Hello\n{% if ticket_key %}\nno end\n")
    with pytest.raises(TemplateError, match=r"acknowledgement\.txt\.j2: line \d+: .*endif"):
        TemplateRenderer([folder]).render("acknowledgement", CONTEXT)


def test_jinja_globals_and_included_templates_work_in_every_render(tmp_path):
    """Templates keep jinja2's globals (range, namespace, cycler) and includes, render after render."""
    folder = _override(tmp_path / "templates", "acknowledgement.txt.j2",
                       "{% set ns = namespace(n=0) %}{% set c = cycler('a', 'b') %}"
                       "{% for i in range(3) %}{% set ns.n = ns.n + i %}{{ c.next() }}{% endfor %} {{ ns.n }} "
                       "{% include 'footer.txt.j2' %}")
    _override(folder, "footer.txt.j2", "{{ ticket_key }} {{ range(2) | list }}\n")
    renderer = TemplateRenderer([folder])
    for _ in range(3):
        assert renderer.render("acknowledgement", CONTEXT).text == "aba 3 IT-000123 [0, 1]\n"
