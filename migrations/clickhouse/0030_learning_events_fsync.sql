-- RecordEvents acknowledges only durable rows: fsync each inserted part and its directory before the
-- INSERT returns (costs about 20% of raw insert speed on chdb; operators may turn it off).
ALTER TABLE learning_events MODIFY SETTING fsync_after_insert = 1, fsync_part_directory = 1;
