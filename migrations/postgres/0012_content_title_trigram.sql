-- ListContent's title_query is a case-insensitive substring match (ILIKE '%q%'); a trigram GIN
-- index serves it. pg_trgm ships with PostgreSQL contrib; where it cannot be installed the
-- migration still succeeds and the match falls back to a scan.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm unavailable: %', SQLERRM;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS idx_training_content_title_trgm
            ON training_content USING GIN (title gin_trgm_ops);
    END IF;
END
$$;
