import { Principal } from '@turnaround/platform';
import { AsOfForm, withAsOf } from '../views/parts';
import { WebReads } from '../web-reads';
import { ROUTES } from './read';

interface SchoolRow {
  schoolId: string;
  districtId: string;
  name: string;
  gradeSpan: string;
}

/** The schools the reader may see, as `GET /api/v1/schools` lists them (narrowed for a district or partner), of one cluster when asked. */
export async function readSchools(reads: WebReads, principal: Principal, clusterId: string | undefined): Promise<SchoolRow[]> {
  return (await reads.registry.schools({ clusterId, owner: reads.access.narrowing(principal, ROUTES.schools) })) as unknown as SchoolRow[];
}

export function SchoolsPage({ schools, clusterId, asOfText }: { schools: SchoolRow[]; clusterId?: string; asOfText?: string }) {
  return (
    <>
      <h1>{clusterId ? `Schools of cluster ${clusterId}` : 'Schools'}</h1>
      <AsOfForm asOf={asOfText} keep={clusterId ? { clusterId } : {}} />
      {schools.length === 0 ? (
        <p>No school to show.</p>
      ) : (
        <table class="usa-table usa-table--borderless">
          <caption>{`${schools.length} schools`}</caption>
          <thead>
            <tr>
              <th scope="col">School</th>
              <th scope="col">State code</th>
              <th scope="col">District</th>
              <th scope="col">Grades</th>
            </tr>
          </thead>
          <tbody>
            {schools.map((school) => (
              <tr data-school={school.schoolId}>
                <td>
                  <a href={withAsOf(`/schools/${encodeURIComponent(school.schoolId)}`, asOfText)}>{school.name}</a>
                </td>
                <td>{school.schoolId}</td>
                <td>{school.districtId}</td>
                <td>{school.gradeSpan}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
