package gateway;

/** The store contract against the embedded store. */
class MemoryStoreContractTest extends StoreContract {

    @Override
    Store newStore() {
        return new MemoryStore();
    }
}
