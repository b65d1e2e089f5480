import { DecodeOptions, REGISTRY_EVENTS } from '@turnaround/domain';
import { Projection, StoredEvent } from '@turnaround/event-store';
import { planRegistryChanges } from './registry.planner';
import { REGISTRY_TABLES, RegistryRowChange } from './registry.tables';
import { writeRowChanges } from '../rows/row-changes';

/**
 * The registry as tables: zones, clusters, schools with their memberships by school year and
 * their districts by knowledge time, partners, contracts. Each event's rows are planned
 * (registry.planner.ts, which says what is kept) and written here. The migrations are the
 * tables' history; `REGISTRY_TABLES` lists the columns they end with.
 */
export const registryProjection: Projection = {
  name: 'registry',
  eventTypes: REGISTRY_EVENTS.types,
  tables: Object.keys(REGISTRY_TABLES),
  migrations: [
    {
      id: '0001-registry',
      sql: `
        CREATE TABLE registry_zones (
          zone_id text PRIMARY KEY, state_code text NOT NULL, name text NOT NULL, district_ids text[] NOT NULL,
          recorded_at timestamptz NOT NULL);
        CREATE TABLE registry_clusters (
          cluster_id text PRIMARY KEY, zone_id text NOT NULL, name text NOT NULL, recorded_at timestamptz NOT NULL);
        CREATE INDEX registry_clusters_zone ON registry_clusters (zone_id);
        CREATE TABLE registry_schools (
          school_id text PRIMARY KEY, district_id text NOT NULL, name text NOT NULL, grade_span text NOT NULL, nces_id text,
          recorded_at timestamptz NOT NULL);
        CREATE INDEX registry_schools_district ON registry_schools (district_id);
        -- A school belongs to cluster_id from from_year up to, not including, until_year.
        CREATE TABLE registry_memberships (
          school_id text NOT NULL, cluster_id text NOT NULL, from_year text NOT NULL, until_year text, strategy text NOT NULL,
          PRIMARY KEY (school_id, cluster_id, from_year));
        CREATE INDEX registry_memberships_cluster ON registry_memberships (cluster_id);
        CREATE TABLE registry_partners (
          partner_id text PRIMARY KEY, name text NOT NULL, role text NOT NULL, recorded_at timestamptz NOT NULL);
        CREATE TABLE registry_contracts (
          contract_id text PRIMARY KEY, partner_id text NOT NULL, cluster_id text NOT NULL, school_ids text[] NOT NULL,
          governance text NOT NULL, start_year text NOT NULL, term_years integer NOT NULL, baseline_year text NOT NULL,
          status text NOT NULL, targets jsonb NOT NULL, recorded_at timestamptz NOT NULL);
        CREATE INDEX registry_contracts_cluster ON registry_contracts (cluster_id);
      `,
    },
    {
      id: '0002-knowledge-times',
      sql: `
        ALTER TABLE registry_memberships ADD COLUMN recorded_at timestamptz, ADD COLUMN left_recorded_at timestamptz;
        ALTER TABLE registry_contracts ADD COLUMN terminated_at timestamptz, ADD COLUMN termination_reason text;`,
    },
    {
      // A school's district from each knowledge time on. Before schools could move, a school
      // had the district it was registered with, from its registration: the rows a replay of the
      // same log writes.
      id: '0003-school-districts',
      sql: `
        CREATE TABLE registry_school_districts (
          school_id text NOT NULL, district_id text NOT NULL, recorded_at timestamptz NOT NULL, PRIMARY KEY (school_id, recorded_at));
        INSERT INTO registry_school_districts (school_id, district_id, recorded_at) SELECT school_id, district_id, recorded_at FROM registry_schools;`,
    },
  ],
  // A renewal's `extend` adds to the row: it relies on the runner applying each event once, moving the checkpoint in the same transaction.
  apply: (tx, events) => writeRowChanges(tx, REGISTRY_TABLES, registryChangesOf(events)),
};

/** The registry's row changes of registry events, in log order, each known from its `recordedAt`. */
export const registryChangesOf = (events: readonly StoredEvent[], decoding: DecodeOptions = {}): RegistryRowChange[] =>
  events.flatMap((stored) => planRegistryChanges(REGISTRY_EVENTS.decode(stored, decoding), stored.metadata.recordedAt));
