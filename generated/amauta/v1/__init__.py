"""Generated code of the amauta.v1 protobuf package (do not edit)."""
