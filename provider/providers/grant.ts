/** The provider object of the grant resources, as their state names it (see common/provider-base.ts). */
import { providerFor } from "../common/provider-base";
export = providerFor("grant");
