/** The provider object of the rowLevelSecurity resources, as their state names it (see common/provider-base.ts). */
import { providerFor } from "../common/provider-base";
export = providerFor("rowLevelSecurity");
