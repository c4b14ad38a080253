package io.tailwater.capture.mariadb;

import io.debezium.connector.mariadb.Module;
import io.debezium.connector.mariadb.jdbc.MariaDbFieldReader;
import io.tailwater.capture.Capture;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Capture's patched copy of Debezium's MariaDB field reader is the one loaded, and a copy of the Debezium on the class path. */
class MariaDbPatchTest {
    @Test
    void thePatchedFieldReaderIsLoadedBeforeDebeziumsOwn() {
        assertThat(MariaDbFieldReader.class.getProtectionDomain().getCodeSource().getLocation())
                .isEqualTo(Capture.class.getProtectionDomain().getCodeSource().getLocation());
    }

    @Test
    void theCopyIsOfTheDebeziumOnTheClassPath() {
        assertThat(Module.version())
                .as("io.debezium.connector.mariadb.jdbc.MariaDbFieldReader in the capture module is a patched copy of Debezium"
                        + " 3.5.0.Final's: copy it again from the new version and redo the change its Javadoc describes")
                .isEqualTo("3.5.0.Final");
    }

    @Test
    void enumAndSetLabelsAreReadFromTheColumnType() {
        assertThat(MariaDbEnumOptions.parse("enum('a','b,c','it''s','back\\\\slash','')"))
                .containsExactly("a", "b,c", "it's", "back\\slash", "");
        assertThat(MariaDbEnumOptions.parse("set('x','y')")).containsExactly("x", "y");
    }
}
