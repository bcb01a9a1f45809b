"""CatalogService: datasets, content and variations, environments, bulk import and the generation queue; one
module of RPCs per resource, assembled in service.py."""
