-- The Doppel state database as the previous release (schema version 1, before versioning) created it
-- on sqlite: the DDL of agents/state/models.py at main 59cf720. Frozen: never regenerate this file.

CREATE TABLE doppel_audit (
	id INTEGER NOT NULL,
	kind VARCHAR(20) NOT NULL,
	run_id VARCHAR(40),
	stage VARCHAR(20),
	user VARCHAR(200) NOT NULL,
	at DATETIME NOT NULL,
	detail JSON NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX ix_doppel_audit_at ON doppel_audit (at);
CREATE INDEX ix_doppel_audit_kind ON doppel_audit (kind);
CREATE INDEX ix_doppel_audit_run_id ON doppel_audit (run_id);
CREATE INDEX ix_doppel_audit_user ON doppel_audit (user);

CREATE TABLE doppel_configuration (
	id VARCHAR(40) NOT NULL,
	name VARCHAR(200) NOT NULL,
	description TEXT,
	tags JSON NOT NULL,
	config JSON NOT NULL,
	user VARCHAR(200) NOT NULL,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX ix_doppel_configuration_created_at ON doppel_configuration (created_at);
CREATE UNIQUE INDEX ix_doppel_configuration_name ON doppel_configuration (name);

CREATE TABLE doppel_run (
	id VARCHAR(40) NOT NULL,
	name VARCHAR(200) NOT NULL,
	config JSON NOT NULL,
	seed BIGINT NOT NULL,
	state VARCHAR(20) NOT NULL,
	current_stage VARCHAR(20),
	user VARCHAR(200) NOT NULL,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX ix_doppel_run_created_at ON doppel_run (created_at);
CREATE INDEX ix_doppel_run_name ON doppel_run (name);
CREATE INDEX ix_doppel_run_state ON doppel_run (state);

CREATE TABLE doppel_approval (
	id VARCHAR(40) NOT NULL,
	run_id VARCHAR(40) NOT NULL,
	point VARCHAR(40) NOT NULL,
	question TEXT NOT NULL,
	context JSON NOT NULL,
	status VARCHAR(20) NOT NULL,
	response VARCHAR(20),
	changes JSON NOT NULL,
	decided_by VARCHAR(200),
	auto BOOLEAN NOT NULL,
	decided_at DATETIME,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(run_id) REFERENCES doppel_run (id)
);
CREATE INDEX ix_doppel_approval_run_id ON doppel_approval (run_id);

CREATE TABLE doppel_event (
	id INTEGER NOT NULL,
	run_id VARCHAR(40) NOT NULL,
	seq INTEGER NOT NULL,
	kind VARCHAR(30) NOT NULL,
	event JSON NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (run_id, seq),
	FOREIGN KEY(run_id) REFERENCES doppel_run (id)
);
CREATE INDEX ix_doppel_event_run_id ON doppel_event (run_id);

CREATE TABLE doppel_run_cost (
	run_id VARCHAR(40) NOT NULL,
	provider VARCHAR(40) NOT NULL,
	model_id VARCHAR(200) NOT NULL,
	estimate JSON,
	actual JSON NOT NULL,
	tips JSON NOT NULL,
	total FLOAT NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (run_id),
	FOREIGN KEY(run_id) REFERENCES doppel_run (id)
);

CREATE TABLE doppel_stage_checkpoint (
	id INTEGER NOT NULL,
	run_id VARCHAR(40) NOT NULL,
	stage VARCHAR(20) NOT NULL,
	state VARCHAR(20) NOT NULL,
	attempt INTEGER NOT NULL,
	started_at DATETIME NOT NULL,
	finished_at DATETIME,
	seconds FLOAT NOT NULL,
	outputs JSON NOT NULL,
	counts JSON NOT NULL,
	changes JSON NOT NULL,
	summary JSON NOT NULL,
	skip_kind VARCHAR(20),
	message TEXT,
	PRIMARY KEY (id),
	UNIQUE (run_id, stage),
	FOREIGN KEY(run_id) REFERENCES doppel_run (id)
);
CREATE INDEX ix_doppel_stage_checkpoint_run_id ON doppel_stage_checkpoint (run_id);
