-- §4.2.1–4.2.3: the catalog, exactly as in the schema document.
CREATE TABLE training_datasets (
    dataset_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(255) NOT NULL,
    description TEXT,
    dataset_type VARCHAR(50) NOT NULL CHECK (dataset_type IN ('analytical_scenarios', 'ethical_dilemmas', 'coordination_challenges', 'creative_problems', 'performance_benchmarks', 'adversarial_cases')),
    generation_method JSONB NOT NULL,
    quality_metrics JSONB,
    target_capabilities TEXT[],
    source_accords TEXT[],
    source_memories TEXT[],
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    created_by VARCHAR(100),
    version INTEGER DEFAULT 1,
    validation_status VARCHAR(20) DEFAULT 'pending' CHECK (validation_status IN ('pending', 'validated', 'rejected')),
    usage_count INTEGER DEFAULT 0,
    quality_score DECIMAL(3,2) CHECK (quality_score >= 0 AND quality_score <= 1)
);

CREATE INDEX idx_training_datasets_type ON training_datasets(dataset_type);
CREATE INDEX idx_training_datasets_created_at ON training_datasets(created_at);
CREATE INDEX idx_training_datasets_quality_score ON training_datasets(quality_score);
CREATE INDEX idx_training_datasets_validation_status ON training_datasets(validation_status);
CREATE INDEX idx_training_datasets_target_capabilities ON training_datasets USING GIN(target_capabilities);

CREATE TABLE training_content (
    content_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    dataset_id UUID NOT NULL REFERENCES training_datasets(dataset_id) ON DELETE CASCADE,
    title VARCHAR(255),
    content_data JSONB NOT NULL,
    difficulty_level DECIMAL(3,2) CHECK (difficulty_level >= 0 AND difficulty_level <= 1),
    complexity_metrics JSONB,
    learning_objectives TEXT[],
    success_criteria JSONB,
    estimated_duration INTEGER, -- in minutes
    prerequisites TEXT[],
    tags TEXT[],
    variation_source UUID REFERENCES training_content(content_id),
    variation_parameters JSONB,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    validation_results JSONB,
    usage_statistics JSONB DEFAULT '{"attempts": 0, "completions": 0, "success_rate": 0}'::jsonb
);

CREATE INDEX idx_training_content_dataset ON training_content(dataset_id);
CREATE INDEX idx_training_content_difficulty ON training_content(difficulty_level);
CREATE INDEX idx_training_content_tags ON training_content USING GIN(tags);
CREATE INDEX idx_training_content_objectives ON training_content USING GIN(learning_objectives);

CREATE TABLE simulation_environments (
    environment_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name VARCHAR(255) NOT NULL,
    description TEXT,
    environment_type VARCHAR(50) NOT NULL CHECK (environment_type IN ('network_coordination', 'ethical_decision_making', 'resource_optimization', 'conflict_resolution', 'creative_collaboration', 'emergency_response')),
    complexity_level VARCHAR(20) CHECK (complexity_level IN ('basic', 'intermediate', 'advanced', 'expert')),
    max_participants INTEGER DEFAULT 1,
    estimated_duration INTEGER, -- in minutes
    environment_config JSONB NOT NULL,
    participant_roles JSONB,
    success_criteria JSONB,
    learning_objectives TEXT[],
    prerequisites TEXT[],
    resources_required JSONB,
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    created_by VARCHAR(100),
    version INTEGER DEFAULT 1,
    active_status BOOLEAN DEFAULT true,
    usage_count INTEGER DEFAULT 0
);

CREATE INDEX idx_simulation_environments_type ON simulation_environments(environment_type);
CREATE INDEX idx_simulation_environments_complexity ON simulation_environments(complexity_level);
CREATE INDEX idx_simulation_environments_active ON simulation_environments(active_status);
CREATE INDEX idx_simulation_environments_objectives ON simulation_environments USING GIN(learning_objectives);
