"""Generated protobuf packages of the Amauta Node (do not edit)."""
