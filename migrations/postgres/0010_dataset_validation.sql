-- ValidateDataset records who decided, why and when; the schema document has no columns for it.
ALTER TABLE training_datasets
    ADD COLUMN validated_by VARCHAR(100),
    ADD COLUMN validation_reason TEXT,
    ADD COLUMN validated_at TIMESTAMP WITH TIME ZONE;
