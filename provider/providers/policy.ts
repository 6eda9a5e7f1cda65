/** The provider object of the policy resources, as their state names it (see common/provider-base.ts). */
import { providerFor } from "../common/provider-base";
export = providerFor("policy");
