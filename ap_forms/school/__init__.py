"""The school's own settings: name, DfE number, local authority and contact."""
