"""The composition root: typed configuration, the `helpdesk` CLI and the process runner."""
