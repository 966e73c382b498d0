-- Duragent schema version 1: the project's tables (event logs, grain state, reminders) and what Orleans' ADO.NET
-- clustering reads (its membership tables and the OrleansQuery rows holding its SQL).
-- Applied by `duragent db migrate` in one transaction, under the migration advisory lock (PostgresSchema.cs).
-- Written for this project against the provider's documented contract (query keys, parameter and column names);
-- see docs/storage.md.

-- Session event logs. One row per log: where it starts and the next seq. The head row is the fence: an append
-- moves next_seq from the expected value or stores nothing. The primary key of the events is the second fence: two
-- writers that both passed a stale head could never store the same seq twice.
CREATE TABLE duragent_event_logs (
    grain_type text   NOT NULL,
    grain_key  text   NOT NULL,
    first_seq  bigint NOT NULL DEFAULT 1,
    next_seq   bigint NOT NULL DEFAULT 1,
    CONSTRAINT duragent_event_logs_pk PRIMARY KEY (grain_type, grain_key),
    CONSTRAINT duragent_event_logs_seqs CHECK (first_seq >= 1 AND next_seq >= first_seq)
);

-- Live events. json is the event exactly as it reads back (envelope, then payload), as text: it is never queried
-- inside, so jsonb would only reorder keys and cost a parse.
CREATE TABLE duragent_events (
    grain_type text        NOT NULL,
    grain_key  text        NOT NULL,
    seq        bigint      NOT NULL,
    ts         timestamptz NOT NULL,
    type       text        NOT NULL,
    json       text        NOT NULL,
    CONSTRAINT duragent_events_pk PRIMARY KEY (grain_type, grain_key, seq)
);

-- Events moved out of the live log by compaction in archive mode: still readable, out of the hot index.
CREATE TABLE duragent_events_archive (
    grain_type text        NOT NULL,
    grain_key  text        NOT NULL,
    seq        bigint      NOT NULL,
    ts         timestamptz NOT NULL,
    type       text        NOT NULL,
    json       text        NOT NULL,
    CONSTRAINT duragent_events_archive_pk PRIMARY KEY (grain_type, grain_key, seq)
);

-- Appends a batch behind the fence: returns the log's next seq as it was found. Only when that equals p_expected
-- were the events inserted (and the head moved); otherwise nothing changed and the caller reports the conflict.
CREATE FUNCTION duragent_append_events(
    p_type text, p_key text, p_expected bigint, p_ts timestamptz[], p_types text[], p_json text[])
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    found_next bigint;
    n bigint := cardinality(p_json);
BEGIN
    INSERT INTO duragent_event_logs (grain_type, grain_key) VALUES (p_type, p_key) ON CONFLICT DO NOTHING;
    SELECT next_seq INTO found_next FROM duragent_event_logs
        WHERE grain_type = p_type AND grain_key = p_key FOR UPDATE;
    IF found_next <> p_expected THEN
        -- A head row made just now for a stale append is not a log: leave nothing behind.
        DELETE FROM duragent_event_logs
            WHERE grain_type = p_type AND grain_key = p_key AND first_seq = 1 AND next_seq = 1;
        RETURN found_next;
    END IF;
    INSERT INTO duragent_events (grain_type, grain_key, seq, ts, type, json)
        SELECT p_type, p_key, p_expected + e.ord - 1, e.ts, e.type, e.json
        FROM unnest(p_ts, p_types, p_json) WITH ORDINALITY AS e(ts, type, json, ord);
    UPDATE duragent_event_logs SET next_seq = p_expected + n WHERE grain_type = p_type AND grain_key = p_key;
    RETURN found_next;
END
$$;

-- Grain state (Orleans IGrainStorage). A cleared record keeps its row with state NULL so that its version goes on:
-- an ETag from before a clear never matches a record written after it.
CREATE TABLE duragent_grain_state (
    grain_type text        NOT NULL,
    grain_key  text        NOT NULL,
    state_name text        NOT NULL,
    version    bigint      NOT NULL,
    state      text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT duragent_grain_state_pk PRIMARY KEY (grain_type, grain_key, state_name)
);

-- Reminder rows (Orleans IReminderTable). grain_hash is GrainId.GetUniformHashCode() stored as a signed int (the ring
-- is read by range). start_ticks keeps .NET's 100 ns ticks: timestamptz would round them to microseconds. version comes
-- from one sequence, so a row made again after a removal never gets an ETag it had before.
CREATE SEQUENCE duragent_reminder_versions;

CREATE TABLE duragent_reminders (
    service_id    text    NOT NULL,
    grain_id      text    NOT NULL,
    reminder_name text    NOT NULL,
    grain_hash    bigint  NOT NULL,
    start_ticks   bigint  NOT NULL,
    period_ticks  bigint  NOT NULL,
    version       bigint  NOT NULL,
    CONSTRAINT duragent_reminders_pk PRIMARY KEY (service_id, grain_id, reminder_name),
    CONSTRAINT duragent_reminders_period CHECK (period_ticks > 0)
);

CREATE INDEX duragent_reminders_ring ON duragent_reminders (service_id, grain_hash);

-- Orleans' ADO.NET clustering: the table it reads its SQL from, its membership version row per cluster and one row per
-- silo. Column names are the provider's contract (it reads results by name, case-insensitively).
CREATE TABLE OrleansQuery (
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);

CREATE TABLE OrleansMembershipVersionTable (
    DeploymentId varchar(150) NOT NULL,
    Timestamp    timestamptz  NOT NULL DEFAULT now(),
    Version      integer      NOT NULL DEFAULT 0,
    CONSTRAINT PK_OrleansMembershipVersionTable_DeploymentId PRIMARY KEY (DeploymentId)
);

CREATE TABLE OrleansMembershipTable (
    DeploymentId varchar(150) NOT NULL,
    Address      varchar(45)  NOT NULL,
    Port         integer      NOT NULL,
    Generation   integer      NOT NULL,
    SiloName     varchar(150) NOT NULL,
    HostName     varchar(150) NOT NULL,
    Status       integer      NOT NULL,
    ProxyPort    integer,
    SuspectTimes text,
    StartTime    timestamptz  NOT NULL,
    IAmAliveTime timestamptz  NOT NULL,
    CONSTRAINT PK_MembershipTable_DeploymentId PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_MembershipTable_MembershipVersionTable_DeploymentId
        FOREIGN KEY (DeploymentId) REFERENCES OrleansMembershipVersionTable (DeploymentId) ON DELETE CASCADE
);

-- A membership write is conditional on the cluster's table version: it bumps the version from the caller's value and
-- changes the silo's row, both or neither. The version row stays locked until the end of the statement's
-- transaction, so undoing the bump when the row change fails is invisible to everyone else.
CREATE FUNCTION duragent_orleans_insert_member(
    p_deployment text, p_address text, p_port integer, p_generation integer, p_silo_name text, p_host_name text,
    p_status integer, p_proxy_port integer, p_start timestamptz, p_alive timestamptz, p_version integer)
RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE OrleansMembershipVersionTable SET Version = Version + 1, Timestamp = now()
        WHERE DeploymentId = p_deployment AND Version = p_version;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
        VALUES (p_deployment, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status, p_proxy_port, p_start, p_alive)
        ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        UPDATE OrleansMembershipVersionTable SET Version = Version - 1 WHERE DeploymentId = p_deployment;
        RETURN false;
    END IF;
    RETURN true;
END
$$;

CREATE FUNCTION duragent_orleans_update_member(
    p_deployment text, p_address text, p_port integer, p_generation integer, p_status integer,
    p_suspect_times text, p_alive timestamptz, p_version integer)
RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE OrleansMembershipVersionTable SET Version = Version + 1, Timestamp = now()
        WHERE DeploymentId = p_deployment AND Version = p_version;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE OrleansMembershipTable SET Status = p_status, SuspectTimes = p_suspect_times, IAmAliveTime = p_alive
        WHERE DeploymentId = p_deployment AND Address = p_address AND Port = p_port AND Generation = p_generation;
    IF NOT FOUND THEN
        UPDATE OrleansMembershipVersionTable SET Version = Version - 1 WHERE DeploymentId = p_deployment;
        RETURN false;
    END IF;
    RETURN true;
END
$$;

-- The queries, by the keys the provider asks for. Parameters are cast where PostgreSQL could not infer a type from an
-- untyped NULL.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $q$
    WITH inserted AS (
        INSERT INTO OrleansMembershipVersionTable (DeploymentId) VALUES (@DeploymentId::varchar)
        ON CONFLICT DO NOTHING RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM inserted)
$q$),
('InsertMembershipKey', $q$
    SELECT duragent_orleans_insert_member(@DeploymentId::text, @Address::text, @Port::integer, @Generation::integer,
        @SiloName::text, @HostName::text, @Status::integer, @ProxyPort::integer, @StartTime::timestamptz,
        @IAmAliveTime::timestamptz, @Version::integer)
$q$),
('UpdateMembershipKey', $q$
    SELECT duragent_orleans_update_member(@DeploymentId::text, @Address::text, @Port::integer, @Generation::integer,
        @Status::integer, @SuspectTimes::text, @IAmAliveTime::timestamptz, @Version::integer)
$q$),
('UpdateIAmAlivetimeKey', $q$
    UPDATE OrleansMembershipTable SET IAmAliveTime = GREATEST(IAmAliveTime, @IAmAliveTime::timestamptz)
    WHERE DeploymentId = @DeploymentId::varchar AND Address = @Address::varchar AND Port = @Port::integer
        AND Generation = @Generation::integer
$q$),
('MembershipReadAllKey', $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
        m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
    WHERE v.DeploymentId = @DeploymentId::varchar
$q$),
('MembershipReadRowKey', $q$
    SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
        m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
        AND m.Address = @Address::varchar AND m.Port = @Port::integer AND m.Generation = @Generation::integer
    WHERE v.DeploymentId = @DeploymentId::varchar
$q$),
('GatewaysQueryKey', $q$
    SELECT Address, ProxyPort, Generation FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId::varchar AND Status = @Status::integer AND ProxyPort > 0
$q$),
('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId::varchar
$q$),
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId::varchar AND Status = 6 AND SuspectTimes IS NULL
        AND IAmAliveTime < @IAmAliveTime::timestamptz AND StartTime < @IAmAliveTime::timestamptz
$q$),
('CleanupDefunctSiloEntryKey', $q$
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId::varchar AND Status = 6
        AND Address = @Address::varchar AND Port = @Port::integer AND Generation = @Generation::integer
        AND IAmAliveTime = @IAmAliveTime::timestamptz AND StartTime = @StartTime::timestamptz
        AND SuspectTimes IS NOT DISTINCT FROM @SuspectTimes::text
$q$);
