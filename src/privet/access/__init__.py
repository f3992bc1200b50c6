"""Who may do what: API tokens, roles and the masking of fields a role may not see."""
