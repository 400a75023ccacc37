package io.github.dbosspring.autoconfigure;

import java.util.Set;

import io.github.dbosspring.store.DbosSchemaMigrator;

import org.springframework.boot.sql.init.dependency.AbstractBeansOfTypeDatabaseInitializerDetector;

/**
 * Makes beans that depend on database initialization wait for the DBOS schema
 * migration.
 *
 * @since 0.1.0
 */
class DbosSchemaMigratorDatabaseInitializerDetector extends AbstractBeansOfTypeDatabaseInitializerDetector {

	@Override
	protected Set<Class<?>> getDatabaseInitializerBeanTypes() {
		return Set.of(DbosSchemaMigrator.class);
	}

}
