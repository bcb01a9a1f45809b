-- Ownership of shared catalog resources (issue 15). created_by is the owner: the server sets it from
-- the caller, so it can be trusted for authorisation. Content gets the column it lacked.
ALTER TABLE training_content ADD COLUMN created_by VARCHAR(100);

-- Rows from before ownership: a missing creator becomes the bootstrap operator identity 'admin';
-- content belongs to the owner of its dataset (the best guess of who created it).
UPDATE training_datasets SET created_by = 'admin' WHERE created_by IS NULL OR created_by = '';

UPDATE simulation_environments SET created_by = 'admin' WHERE created_by IS NULL OR created_by = '';

UPDATE training_content c SET created_by = d.created_by FROM training_datasets d
    WHERE d.dataset_id = c.dataset_id AND c.created_by IS NULL;
