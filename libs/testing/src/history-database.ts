import { DataSource, EntityManager, MigrationInterface } from 'typeorm';
import { commitsOf } from './commits-of';
import { createTestDatabase, TestDatabase } from './test-infrastructure';

type Commits = ReturnType<typeof commitsOf>;
type ApplyCommits = (manager: EntityManager, commits: Commits, afterSeq: number) => Promise<number>;

/**
 * A database of the suite's own (made before it, dropped after it) for feeding histories to a projection: each
 * `project` migrates a fresh schema and applies the commits `perTransaction` at a time, each slice through `apply`
 * (the projection's `applyCommits`) in one transaction, as a projection runner would.
 */
export function historyDatabase(migrations: (new () => MigrationInterface)[]) {
  let db: TestDatabase;
  const sources: DataSource[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(sources.map((source) => source.destroy()));
    await db.drop();
  });
  return {
    async project(
      schema: string,
      commits: Commits,
      perTransaction: number,
      apply: ApplyCommits,
    ): Promise<{ dataSource: DataSource; position: number }> {
      const dataSource = await new DataSource({ type: 'postgres', url: db.url, schema, migrations }).initialize();
      sources.push(dataSource);
      await dataSource.query(`create schema if not exists "${schema}"`);
      await dataSource.runMigrations();
      let position = 0;
      for (let i = 0; i < commits.length; i += perTransaction) {
        const slice = commits.slice(i, i + perTransaction);
        position = await dataSource.transaction((manager) => apply(manager, slice, position));
      }
      return { dataSource, position };
    },
  };
}
