-- §4.2.4–4.2.6: learners, sessions and assessments, exactly as in the schema document.
CREATE TABLE learner_profiles (
    profile_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    learner_id VARCHAR(100) NOT NULL UNIQUE, -- Node ID
    learner_type VARCHAR(50) NOT NULL,
    current_capabilities JSONB,
    learning_style JSONB,
    performance_metrics JSONB,
    learning_goals JSONB,
    preferences JSONB,
    constraints JSONB, -- time, resource, etc.
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    last_activity TIMESTAMP WITH TIME ZONE,
    profile_version INTEGER DEFAULT 1
);

CREATE INDEX idx_learner_profiles_learner_id ON learner_profiles(learner_id);
CREATE INDEX idx_learner_profiles_type ON learner_profiles(learner_type);
CREATE INDEX idx_learner_profiles_last_activity ON learner_profiles(last_activity);

CREATE TABLE learning_sessions (
    session_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    learner_id VARCHAR(100) NOT NULL,
    session_type VARCHAR(50) NOT NULL CHECK (session_type IN ('training', 'simulation', 'assessment', 'practice')),
    content_id UUID REFERENCES training_content(content_id),
    environment_id UUID REFERENCES simulation_environments(environment_id),
    session_config JSONB,
    start_time TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    end_time TIMESTAMP WITH TIME ZONE,
    duration INTEGER, -- in seconds
    completion_status VARCHAR(20) CHECK (completion_status IN ('in_progress', 'completed', 'abandoned', 'failed')),
    performance_data JSONB,
    learning_outcomes JSONB,
    feedback JSONB,
    session_metadata JSONB,

    CONSTRAINT chk_session_times CHECK (end_time IS NULL OR end_time >= start_time)
);

CREATE INDEX idx_learning_sessions_learner ON learning_sessions(learner_id);
CREATE INDEX idx_learning_sessions_type ON learning_sessions(session_type);
CREATE INDEX idx_learning_sessions_start_time ON learning_sessions(start_time);
CREATE INDEX idx_learning_sessions_status ON learning_sessions(completion_status);

CREATE TABLE assessment_results (
    assessment_id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    learner_id VARCHAR(100) NOT NULL,
    session_id UUID REFERENCES learning_sessions(session_id),
    assessment_type VARCHAR(50) NOT NULL,
    assessment_scope JSONB,
    assessment_criteria JSONB,
    results JSONB NOT NULL,
    skill_assessments JSONB,
    improvement_recommendations JSONB,
    benchmark_comparisons JSONB,
    confidence_level DECIMAL(3,2) CHECK (confidence_level >= 0 AND confidence_level <= 1),
    assessor VARCHAR(100), -- System or human assessor
    assessment_timestamp TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    review_status VARCHAR(20) DEFAULT 'final' CHECK (review_status IN ('draft', 'final', 'reviewed'))
);

CREATE INDEX idx_assessment_results_learner ON assessment_results(learner_id);
CREATE INDEX idx_assessment_results_type ON assessment_results(assessment_type);
CREATE INDEX idx_assessment_results_timestamp ON assessment_results(assessment_timestamp);
