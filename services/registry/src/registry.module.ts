import { Module } from '@nestjs/common';
import { EventStore } from '@turnaround/event-store';
import { EVENT_STORE, SQL_CLIENT } from '@turnaround/platform';
import { SqlClient } from '@turnaround/postgres';
import { ContractHistoryQueries, RegistryQueries } from '@turnaround/read-model';
import { ClustersController } from './clusters/clusters.controller';
import { FormClusterHandler } from './clusters/clusters.commands';
import { ContractsController } from './contracts/contracts.controller';
import { KeysController } from './keys/keys.controller';
import { ChangeContractHandler, SignPerformanceContractHandler } from './contracts/contracts.commands';
import { PartnersController } from './partners/partners.controller';
import { RegisterPartnerHandler } from './partners/partners.commands';
import { SchoolsController } from './schools/schools.controller';
import { AssignSchoolToClusterHandler, ChangeSchoolHandler, LeaveClusterHandler, RegisterSchoolHandler } from './schools/schools.commands';
import { ZonesController } from './zones/zones.controller';
import { ChangeZoneHandler, EstablishZoneHandler } from './zones/zones.commands';

/** Zones, clusters, schools, partners and contracts, as entered by the state turnaround office, and the API keys it issues. */
@Module({
  controllers: [ZonesController, ClustersController, SchoolsController, PartnersController, ContractsController, KeysController],
  providers: [
    { provide: RegistryQueries, useFactory: (sql: SqlClient) => new RegistryQueries(sql), inject: [SQL_CLIENT] },
    { provide: ContractHistoryQueries, useFactory: (store: EventStore) => new ContractHistoryQueries(store), inject: [EVENT_STORE] },
    EstablishZoneHandler,
    ChangeZoneHandler,
    FormClusterHandler,
    RegisterSchoolHandler,
    AssignSchoolToClusterHandler,
    LeaveClusterHandler,
    ChangeSchoolHandler,
    RegisterPartnerHandler,
    SignPerformanceContractHandler,
    ChangeContractHandler,
  ],
})
export class RegistryModule {}
